/// The on-disk layout, in one place so writer and reader cannot disagree.
///
/// A file is one zstd frame (level 3, frame checksum on). Its decompressed payload, all integers
/// little-endian:
///
///     "RACT"                      magic, 4 bytes
///     UInt16 format version       currently 1
///     UInt32 header length        then that many bytes of JSON (``HeaderRecord``, sorted keys)
///     row groups, each:
///         "RGRP"  UInt32 rows     1 ... rows_per_group
///         each schema column in order: rows × byteWidth bytes
///     "REND"  Int64 total rows  UInt64 XXH64 of every payload byte before this checksum field
///
/// Row groups hold exactly `rows_per_group` rows except the last, whatever the writer's append sizes,
/// so the same rows always give the same bytes and readers never buffer more than one group.
enum ArtifactFormat {
    static let magic: [UInt8] = Array("RACT".utf8)
    static let groupMarker: [UInt8] = Array("RGRP".utf8)
    static let trailerMarker: [UInt8] = Array("REND".utf8)

    /// Largest header a reader accepts; real headers are a few hundred bytes, so more means corruption.
    static let maxHeaderBytes = 16 << 20
    /// Largest row group a writer produces or a reader accepts, bounding reader memory.
    static let maxRowsPerGroup = 1 << 20
}
