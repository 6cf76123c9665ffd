/// One column's values for a run of rows, typed to match an ``ArtifactColumnType``.
public enum ArtifactColumnData: Sendable, Equatable {
    case int64([Int64])
    case int32([Int32])
    case float64([Double])
    case uint8([UInt8])

    public var type: ArtifactColumnType {
        switch self {
        case .int64: .int64
        case .int32: .int32
        case .float64: .float64
        case .uint8: .uint8
        }
    }

    public var count: Int {
        switch self {
        case .int64(let values): values.count
        case .int32(let values): values.count
        case .float64(let values): values.count
        case .uint8(let values): values.count
        }
    }

    public var int64Values: [Int64]? { if case .int64(let values) = self { values } else { nil } }
    public var int32Values: [Int32]? { if case .int32(let values) = self { values } else { nil } }
    public var float64Values: [Double]? { if case .float64(let values) = self { values } else { nil } }
    public var uint8Values: [UInt8]? { if case .uint8(let values) = self { values } else { nil } }

    /// An empty column of `type`, the start of a concatenation.
    static func empty(_ type: ArtifactColumnType) -> ArtifactColumnData {
        switch type {
        case .int64: .int64([])
        case .int32: .int32([])
        case .float64: .float64([])
        case .uint8: .uint8([])
        }
    }

    /// Appends `other`'s values; both must have the same type (checked by the caller).
    mutating func append(_ other: ArtifactColumnData) {
        // Each case takes the array out of `self` before appending, so it stays uniquely referenced
        // and grows in place instead of being copied on every call.
        switch other {
        case .int64(let more):
            guard case .int64(var values) = self else { return }
            self = .uint8([])
            values.append(contentsOf: more)
            self = .int64(values)
        case .int32(let more):
            guard case .int32(var values) = self else { return }
            self = .uint8([])
            values.append(contentsOf: more)
            self = .int32(values)
        case .float64(let more):
            guard case .float64(var values) = self else { return }
            self = .uint8([])
            values.append(contentsOf: more)
            self = .float64(values)
        case .uint8(let more):
            guard case .uint8(var values) = self else { return }
            self = .uint8([])
            values.append(contentsOf: more)
            self = .uint8(values)
        }
    }

    /// Copies values `start..<start+count` into `destination` as little-endian bytes.
    func copyLittleEndian(from start: Int, count: Int, to destination: UnsafeMutableRawPointer) {
        switch self {
        case .int64(let values): Self.copy(values, start, count, destination) { $0.littleEndian }
        case .int32(let values): Self.copy(values, start, count, destination) { $0.littleEndian }
        case .float64(let values):
            Self.copy(values, start, count, destination) { Double(bitPattern: $0.bitPattern.littleEndian) }
        case .uint8(let values): Self.copy(values, start, count, destination) { $0 }
        }
    }

    @inline(__always)
    private static func copy<T: BitwiseCopyable>(
        _ values: [T], _ start: Int, _ count: Int, _ destination: UnsafeMutableRawPointer,
        littleEndian: (T) -> T
    ) {
        let stride = MemoryLayout<T>.stride
        #if _endian(little)
        values.withUnsafeBytes { raw in
            if let base = raw.baseAddress {
                destination.copyMemory(from: base + start * stride, byteCount: count * stride)
            }
        }
        #else
        for index in 0..<count {
            destination.storeBytes(
                of: littleEndian(values[start + index]), toByteOffset: index * stride, as: T.self)
        }
        #endif
    }

    /// Reads `count` little-endian values of `type` through `fill`, which must fill the whole buffer.
    static func read(
        _ type: ArtifactColumnType, count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void
    ) throws -> ArtifactColumnData {
        switch type {
        case .int64:
            let values: [Int64] = try readArray(count, fill)
            #if _endian(little)
            return .int64(values)
            #else
            return .int64(values.map { Int64(littleEndian: $0) })
            #endif
        case .int32:
            let values: [Int32] = try readArray(count, fill)
            #if _endian(little)
            return .int32(values)
            #else
            return .int32(values.map { Int32(littleEndian: $0) })
            #endif
        case .float64:
            let values: [Double] = try readArray(count, fill)
            #if _endian(little)
            return .float64(values)
            #else
            return .float64(values.map { Double(bitPattern: UInt64(littleEndian: $0.bitPattern)) })
            #endif
        case .uint8:
            return .uint8(try readArray(count, fill))
        }
    }

    /// Fills a fresh array's storage straight from the payload, so reading costs one copy per value.
    private static func readArray<T: BitwiseCopyable>(
        _ count: Int, _ fill: (UnsafeMutableRawBufferPointer) throws -> Void
    ) throws -> [T] {
        try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            try fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }
}

/// A run of rows read back from an artifact: every schema column, all of the same length.
public struct ArtifactRowGroup: Sendable, Equatable {
    public let schema: [ArtifactColumn]
    public let columns: [ArtifactColumnData]
    public let rowCount: Int

    /// The column called `name`, or `nil` when the schema has no such column.
    public func column(named name: String) -> ArtifactColumnData? {
        schema.firstIndex { $0.name == name }.map { columns[$0] }
    }
}

/// A whole artifact in memory: for small files and tests only.
public struct ArtifactContents: Sendable, Equatable {
    public var header: ArtifactHeader
    /// One entry per schema column, all rows concatenated.
    public var columns: [ArtifactColumnData]
    public var summary: ArtifactSummary

    /// The column called `name`, or `nil` when the schema has no such column.
    public func column(named name: String) -> ArtifactColumnData? {
        header.columns.firstIndex { $0.name == name }.map { columns[$0] }
    }
}
