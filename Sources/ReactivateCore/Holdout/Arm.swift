/// The experiment arm of a targeted member: treated members get a coupon, control members do not.
public enum Arm: String, Sendable, Hashable, CaseIterable {
    case treatment
    case control
}
