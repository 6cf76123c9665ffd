import Foundation

/// Memory for a large table probed at random: on 4 KB pages nearly every probe of a table of tens of
/// MB also misses the TLB, so a table of 2 MB or more is aligned to and asks for transparent huge
/// pages (a hint the kernel may ignore). Freed with `free`.
public enum HugePageMemory {
    public static func allocate(bytes: Int, for what: String) -> UnsafeMutableRawPointer {
        let hugePage = 1 << 21
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, bytes >= hugePage ? hugePage : 64, max(bytes, 1)) == 0, let memory else {
            fatalError("cannot allocate \(bytes) bytes for \(what)")
        }
        #if os(Linux)
        if bytes >= hugePage { _ = madvise(memory, bytes, MADV_HUGEPAGE) }
        #endif
        return memory
    }
}
