internal import FoundationEssentials
internal import Foundation

/// The value types a column can hold; callers encode "missing" as a sentinel of their choosing.
public enum ArtifactColumnType: String, Sendable, Codable, CaseIterable {
    case int64
    case int32
    case float64
    case uint8

    /// Bytes per value on disk (little-endian).
    public var byteWidth: Int {
        switch self {
        case .int64, .float64: 8
        case .int32: 4
        case .uint8: 1
        }
    }
}

/// One column of the schema: a name unique within the artifact and its type.
public struct ArtifactColumn: Sendable, Hashable, Codable {
    public var name: String
    public var type: ArtifactColumnType

    public init(_ name: String, _ type: ArtifactColumnType) {
        self.name = name
        self.type = type
    }
}
