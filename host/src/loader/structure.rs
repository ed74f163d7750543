//! Cheap structural checks of a library file before anything loads it, with the `object` crate:
//! a shared library for this OS and architecture, and long enough to hold every segment it asks
//! the dynamic loader to map. A download cut short is named as such here, without a child process
//! (mapping past the end of a file is what makes `dlopen` die by SIGBUS).

use std::{fs, io::Read as _, path::Path};

use object::{
    elf,
    read::elf::{FileHeader, ProgramHeader as _},
    Endianness, FileKind, Object as _, ObjectKind, ObjectSegment as _,
};

/// How much of the file is read for the ELF and program headers (they sit at its start).
const HEADER_BYTES: u64 = 64 * 1024;

/// What is wrong with a library file's structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// Not a shared library of this platform's format, or unreadable as one; the reason.
    NotALibrary(String),
    /// A shared library for another operating system or architecture; what it is for.
    WrongPlatform(String),
    /// Shorter than its segments say: `size` bytes where `needed` are.
    Truncated {
        /// The file's size.
        size: u64,
        /// The end of its last loadable segment.
        needed: u64,
    },
}

/// Checks the library at `path` (whose size is `size`).
pub(crate) fn check(path: &Path, size: u64) -> Result<(), Problem> {
    let unreadable = |e: std::io::Error| Problem::NotALibrary(format!("cannot read it: {e}"));
    let mut prefix = Vec::new();
    fs::File::open(path)
        .and_then(|f| f.take(HEADER_BYTES).read_to_end(&mut prefix))
        .map_err(unreadable)?;
    let kind = FileKind::parse(prefix.as_slice()).map_err(|_| {
        Problem::NotALibrary("its contents are not in any executable format".to_owned())
    })?;
    match kind {
        FileKind::Elf64 => elf_check::<elf::FileHeader64<Endianness>>(&prefix, size),
        FileKind::Elf32 => elf_check::<elf::FileHeader32<Endianness>>(&prefix, size),
        _ if cfg!(any(target_os = "macos", target_os = "windows")) => {
            let data = fs::read(path).map_err(unreadable)?;
            other_check(&data, kind)
        }
        _ => Err(Problem::WrongPlatform(format!(
            "a {kind:?} file, not an ELF shared library"
        ))),
    }
}

/// The ELF machine of this host's architecture, where known.
fn host_machine() -> Option<elf::Machine> {
    Some(match std::env::consts::ARCH {
        "x86_64" => elf::EM_X86_64,
        "x86" => elf::EM_386,
        "aarch64" => elf::EM_AARCH64,
        "arm" => elf::EM_ARM,
        "riscv64" | "riscv32" => elf::EM_RISCV,
        "powerpc64" => elf::EM_PPC64,
        "powerpc" => elf::EM_PPC,
        "s390x" => elf::EM_S390,
        "loongarch64" => elf::EM_LOONGARCH,
        _ => return None,
    })
}

/// The ELF checks, from the headers in `prefix` and the file's `size`.
fn elf_check<H: FileHeader<Endian = Endianness>>(prefix: &[u8], size: u64) -> Result<(), Problem> {
    if !cfg!(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly",
        target_os = "illumos",
        target_os = "solaris"
    )) {
        return Err(Problem::WrongPlatform(
            "an ELF library (for Linux or another Unix)".to_owned(),
        ));
    }
    let damaged = |what: &str| Problem::NotALibrary(format!("its ELF {what} are damaged"));
    let header = H::parse(prefix).map_err(|_| damaged("header fields"))?;
    let endian = header.endian().map_err(|_| damaged("header fields"))?;
    let machine = header.e_machine(endian);
    let bits = if header.is_class_64() { 64 } else { 32 };
    let host_bits = if cfg!(target_pointer_width = "64") {
        64
    } else {
        32
    };
    if host_machine().is_some_and(|m| m != machine) || bits != host_bits {
        return Err(Problem::WrongPlatform(format!(
            "built for another architecture ({machine}, {bits}-bit; this host is {})",
            std::env::consts::ARCH
        )));
    }
    if header.e_type(endian) != elf::ET_DYN {
        return Err(Problem::NotALibrary(
            "it is an ELF file but not a shared library".to_owned(),
        ));
    }
    let segments = header
        .program_headers(endian, prefix)
        .map_err(|_| damaged("program headers"))?;
    let needed = segments
        .iter()
        .filter(|s| s.p_type(endian) == elf::PT_LOAD)
        .map(|s| {
            let (offset, length) = s.file_range(endian);
            offset.saturating_add(length)
        })
        .max()
        .unwrap_or(0);
    if needed == 0 {
        return Err(Problem::NotALibrary(
            "it has nothing for the dynamic loader to map".to_owned(),
        ));
    }
    if needed > size {
        return Err(Problem::Truncated { size, needed });
    }
    Ok(())
}

/// The Mach-O and PE checks, from the whole file.
fn other_check(data: &[u8], kind: FileKind) -> Result<(), Problem> {
    let expected = if cfg!(target_os = "macos") {
        matches!(kind, FileKind::MachO64 | FileKind::MachOFat64)
    } else {
        matches!(kind, FileKind::Pe64 | FileKind::Pe32)
    };
    if !expected {
        return Err(Problem::WrongPlatform(format!(
            "a {kind:?} file, not a shared library for this operating system"
        )));
    }
    let file = object::File::parse(data)
        .map_err(|e| Problem::NotALibrary(format!("its headers are damaged ({e})")))?;
    if file.kind() != ObjectKind::Dynamic {
        return Err(Problem::NotALibrary(
            "it is not a shared library".to_owned(),
        ));
    }
    let size = data.len() as u64;
    let needed = file
        .segments()
        .map(|s| {
            let (offset, length) = s.file_range();
            offset.saturating_add(length)
        })
        .max()
        .unwrap_or(0);
    if needed > size {
        return Err(Problem::Truncated { size, needed });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_no_library_and_a_short_file_is_truncated() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.so");
        fs::write(&text, b"just some text, not a library").unwrap();
        assert!(matches!(check(&text, 29), Err(Problem::NotALibrary(_))));
        // An executable (this test) is ELF but no shared library... unless built as PIE, which
        // is ET_DYN too: either way its own size covers its segments.
        let exe = std::env::current_exe().unwrap();
        let size = fs::metadata(&exe).unwrap().len();
        if cfg!(target_os = "linux") {
            assert!(!matches!(check(&exe, size), Err(Problem::Truncated { .. })));
            assert!(matches!(
                check(&exe, 4096),
                Err(Problem::Truncated { size: 4096, .. }) | Err(Problem::NotALibrary(_))
            ));
        }
    }
}
