//! The broken libraries of the crash tests, made by the tests from real ones: copies of a real
//! plugin truncated or with its root-module data overwritten, and C libraries whose constructors
//! crash, compiled with the system C compiler.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
};

use object::{
    read::elf::{ElfFile64, ProgramHeader as _},
    Object as _, ObjectSection as _,
};

use crate::support::plugin_path;

/// A broken library: what it is, and the words its diagnosis must contain.
pub(crate) struct Broken {
    /// A short name (the library's file stem).
    pub(crate) name: &'static str,
    /// The library.
    pub(crate) path: PathBuf,
    /// What the error must say about it.
    pub(crate) diagnosis: &'static str,
}

/// A directory that lives as long as the test process (the fixtures are made once).
fn fixture_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        tempfile::Builder::new()
            .prefix("flyte-host-crash-fixtures-")
            .tempdir()
            .expect("create the fixture directory")
    })
    .path()
}

/// The myorg library's bytes and the end of its last loadable segment.
fn myorg() -> (Vec<u8>, u64) {
    let bytes = fs::read(plugin_path("myorg")).expect("read libmyorg");
    let elf = ElfFile64::<object::Endianness>::parse(bytes.as_slice()).expect("libmyorg is ELF64");
    let endian = elf.endian();
    let end = elf
        .elf_program_headers()
        .iter()
        .filter(|p| p.p_type(endian) == object::elf::PT_LOAD)
        .map(|p| p.p_offset(endian) + p.p_filesz(endian))
        .max()
        .expect("libmyorg has loadable segments");
    (bytes, end)
}

fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let path = fixture_dir().join(format!("{name}.so"));
    fs::write(&path, bytes).expect("write a fixture library");
    path
}

/// Copies of myorg cut to 4 KB, to half its size, and in the middle of its loadable segments
/// (a debug build's second half is debug info the loader never maps: cut there, it still loads).
pub(crate) fn truncated() -> Vec<Broken> {
    let (bytes, segments_end) = myorg();
    let half = bytes.len() / 2;
    let mut out = vec![Broken {
        name: "cut-4k",
        path: write("cut-4k", &bytes[..4096]),
        diagnosis: "is truncated: the file has 4096 bytes",
    }];
    if (half as u64) < segments_end {
        out.push(Broken {
            name: "cut-half",
            path: write("cut-half", &bytes[..half]),
            diagnosis: "is truncated",
        });
    }
    let mid = usize::try_from(segments_end / 2).unwrap();
    out.push(Broken {
        name: "cut-segments",
        path: write("cut-segments", &bytes[..mid]),
        diagnosis: "is truncated",
    });
    out
}

/// A copy of myorg, whole, for tests that want the half-size cut whatever it does.
pub(crate) fn half_of_myorg() -> PathBuf {
    let (bytes, _) = myorg();
    write("half", &bytes[..bytes.len() / 2])
}

/// A copy of myorg whose `.data.rel.ro` (the root module's type layouts and tables) is
/// overwritten with garbage: abi_stable's own checks read nonsense there and panic (which
/// abi_stable turns into the end of the process).
pub(crate) fn garbage_root_module() -> Broken {
    let (mut bytes, _) = myorg();
    let (offset, size) = {
        let file = object::File::parse(bytes.as_slice()).unwrap();
        let section = file
            .section_by_name(".data.rel.ro")
            .expect("libmyorg has .data.rel.ro");
        section.file_range().expect("it is in the file")
    };
    let range = usize::try_from(offset).unwrap()..usize::try_from(offset + size).unwrap();
    bytes[range].fill(0xa5);
    Broken {
        name: "garbage",
        path: write("garbage", &bytes),
        diagnosis: "panicked while loading",
    }
}

/// The C compiler, or `None` (the caller says the test was skipped, and fails under CI).
fn compile(name: &str, source: &str) -> Option<PathBuf> {
    let c = fixture_dir().join(format!("{name}.c"));
    fs::write(&c, source).unwrap();
    let library = fixture_dir().join(format!("{name}.so"));
    let cc = std::env::var_os("CC").unwrap_or_else(|| "cc".into());
    match Command::new(&cc)
        .args(["-shared", "-fPIC", "-o"])
        .arg(&library)
        .arg(&c)
        .status()
    {
        Ok(status) if status.success() => Some(library),
        Ok(status) => panic!("compiling {name}.c failed ({status})"),
        Err(e) => {
            let message = format!(
                "cannot run the C compiler {cc:?} ({e}): crashing-constructor fixtures skipped"
            );
            assert!(std::env::var_os("CI").is_none(), "{message}");
            eprintln!("SKIPPED: {message}");
            None
        }
    }
}

/// C libraries whose constructors abort and write through a null pointer (none without a C
/// compiler outside CI).
pub(crate) fn crashing_constructors() -> Vec<Broken> {
    let abort = compile(
        "ctor-abort",
        "#include <stdlib.h>\n__attribute__((constructor)) static void boom(void) { abort(); }\n",
    );
    let null = compile(
        "ctor-null-write",
        "__attribute__((constructor)) static void boom(void) { *(volatile int *)0 = 1; }\n",
    );
    let mut out = Vec::new();
    if let Some(path) = abort {
        out.push(Broken {
            name: "ctor-abort",
            path,
            diagnosis: "crashed while loading: SIGABRT",
        });
    }
    if let Some(path) = null {
        out.push(Broken {
            name: "ctor-null-write",
            path,
            diagnosis: "crashed while loading: SIGSEGV",
        });
    }
    out
}

/// A C library whose constructor never returns (none without a C compiler outside CI).
pub(crate) fn hanging_constructor() -> Option<PathBuf> {
    compile(
        "ctor-hang",
        "#include <unistd.h>\n__attribute__((constructor)) static void wait_forever(void) { for (;;) sleep(3600); }\n",
    )
}

/// Every broken library.
pub(crate) fn all_broken() -> Vec<Broken> {
    let mut all = truncated();
    all.push(garbage_root_module());
    all.extend(crashing_constructors());
    all
}
