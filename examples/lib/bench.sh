# Shared by the examples/bench-*.sh scripts (sourced, not run): builds the release binaries and
# names the plugin libraries the way this platform does.
#
#   source "$(dirname "$0")/lib/bench.sh"
#   bench_build myorg many-commands     # release build of flyte-host and these plugin crates
#   bench_library myorg                 # → target/release/libmyorg.so (or .dylib, or myorg.dll)

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BENCH_TARGET="${CARGO_TARGET_DIR:-target}/release"
BENCH_HOST="$BENCH_TARGET/flyte-host"
export PYTHONPATH="$PWD/examples/lib${PYTHONPATH:+:$PYTHONPATH}"

# Release build of the host and the given plugin packages.
bench_build() {
    local packages=(-p flyte-host)
    local package
    for package in "$@"; do
        packages+=(-p "$package")
    done
    cargo build --release --quiet "${packages[@]}"
}

# The release library of plugin crate $1 (its lib name: dashes become underscores).
bench_library() {
    local name="${1//-/_}"
    case "$(uname -s)" in
        Darwin) echo "$BENCH_TARGET/lib$name.dylib" ;;
        MINGW* | MSYS* | CYGWIN*) echo "$BENCH_TARGET/$name.dll" ;;
        *) echo "$BENCH_TARGET/lib$name.so" ;;
    esac
}
