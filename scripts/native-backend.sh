#!/usr/bin/env bash
# Optional: builds the native TensorFlow backend (@tensorflow/tfjs-node) into this project's node_modules,
# with no download outside the package registries. Never needed by the default install (wasm is the
# default backend); `selectBackend('auto')` picks it up once it loads.
#
# How (see shared/native-backend.md): the TensorFlow C library comes from the PyPI wheel tensorflow-cpu
# (only its two shared libraries and ~70 C headers are extracted); tfjs-node comes from npm with its
# install script skipped (the script would download libtensorflow from a host that is not reachable); the
# addon is then compiled against the extracted library with node-pre-gyp (g++, make, Node headers).
#
# Usage: bash scripts/native-backend.sh [--check] [--force]
#   --check  only report whether the native backend loads (exit 0) or not (exit 1); changes nothing
#   --force  rebuild even when the backend already loads
# Env: LATENTFLOW_NATIVE_CACHE  wheel and extracted library cache (default .cache/native)
#      PYTHON                   interpreter whose pip downloads the wheel (default python3)
# The next `npm ci` removes the package again (it is not in package-lock.json); rerun this script then.
# Takes about a minute on 2 cores plus the wheel download (~250 MB) the first time.
set -euo pipefail
cd "$(dirname "$0")/.."

TF_WHEEL_VERSION=2.21.0
TFJS_NODE_VERSION=4.22.0
CACHE=${LATENTFLOW_NATIVE_CACHE:-.cache/native}
PYTHON=${PYTHON:-python3}
PKG=node_modules/@tensorflow/tfjs-node
LIB_DIR=$CACHE/libtensorflow-$TF_WHEEL_VERSION

log() { printf '[native-backend] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Prints "tensorflow <TF_Version>" when the native backend loads and computes, fails otherwise. TensorFlow
# writes absl/oneDNN lines to stderr (and on some CPUs to stdout) even at TF_CPP_MIN_LOG_LEVEL=2, so the
# result is the one line behind a marker, never the whole output; stderr is kept only to explain a failure.
CHECK_MARK='latentflow-native-check:'
check_backend() {
  local out status=0
  out=$(TF_CPP_MIN_LOG_LEVEL=2 node --input-type=module -e "
    const tf = await import('@tensorflow/tfjs-node');
    const sum = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])).sum().dataSync()[0]);
    if (tf.getBackend() !== 'tensorflow' || sum !== 12) throw new Error('backend ' + tf.getBackend() + ', sum ' + sum);
    console.log('$CHECK_MARK', tf.getBackend(), tf.backend().binding.TF_Version);
  " 2>&1) || status=$?
  local line
  line=$(printf '%s\n' "$out" | sed -n "s/^$CHECK_MARK //p" | tail -1)
  if ((status == 0)) && [[ -n $line ]]; then printf '%s\n' "$line"; return 0; fi
  printf '%s\n' "$out"
  return 1
}

MODE=build
for arg in "$@"; do
  case $arg in
    --check) MODE=check ;;
    --force) MODE=force ;;
    *) die "unknown argument $arg; expected --check or --force" ;;
  esac
done

if [[ $MODE == check ]]; then
  if out=$(check_backend); then log "loads: $out"; exit 0; fi
  # The reason is node's error line ("Error: ...", "Error [ERR_...]: ..."), not the first line that
  # mentions "error": TensorFlow's oneDNN notice talks about round-off errors.
  log "does not load: $(echo "$out" | grep -m1 -E '^[A-Za-z]*Error( \[[A-Z_]+\])?: ' || echo "$out" | tail -1)"
  exit 1
fi
if [[ $MODE == build ]] && out=$(check_backend) && [[ $out == "tensorflow $TF_WHEEL_VERSION" ]]; then
  log "already built: $out (use --force to rebuild)"
  exit 0
fi

[[ -d node_modules/@tensorflow/tfjs-core ]] || die "node_modules has no @tensorflow/tfjs-core; run npm ci first"
for tool in g++ make; do command -v $tool >/dev/null || die "$tool not found; install it (Debian: apt-get install -y build-essential)"; done
"$PYTHON" -m pip --version >/dev/null 2>&1 || die "$PYTHON has no pip; set PYTHON to an interpreter with pip"

# Node headers for node-gyp, so it never tries to download them: the distribution's, else the ones next to node.
if [[ -f /usr/include/node/node.h ]]; then
  NODEDIR=/usr
elif [[ -f "$(dirname "$(dirname "$(command -v node)")")/include/node/node.h" ]]; then
  NODEDIR=$(dirname "$(dirname "$(command -v node)")")
else
  die "Node headers (include/node/node.h) not found; install them (Debian: apt-get install -y libnode-dev)"
fi

# 1. The wheel, by name from PyPI. The platform and Python tags are pinned so the same file is fetched
#    whatever the local Python; only its C library is used, which does not depend on the Python version.
mkdir -p "$CACHE/wheel"
WHEEL=$(ls "$CACHE"/wheel/tensorflow_cpu-"$TF_WHEEL_VERSION"-*.whl 2>/dev/null | head -1 || true)
if [[ -z $WHEEL ]]; then
  log "downloading tensorflow-cpu==$TF_WHEEL_VERSION from PyPI"
  "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --python-version 3.11 --implementation cp --abi cp311 --platform manylinux_2_27_x86_64 \
    -d "$CACHE/wheel" "tensorflow-cpu==$TF_WHEEL_VERSION"
  WHEEL=$(ls "$CACHE"/wheel/tensorflow_cpu-"$TF_WHEEL_VERSION"-*.whl | head -1)
fi

# 2. Extract the two libraries and the C API headers (a few seconds), once per version.
if [[ ! -f $LIB_DIR/.complete ]]; then
  log "extracting libtensorflow from $(basename "$WHEEL")"
  rm -rf "$LIB_DIR"
  mkdir -p "$LIB_DIR"
  "$PYTHON" - "$WHEEL" "$LIB_DIR" <<'PY'
import re, shutil, sys, zipfile
from pathlib import Path
wheel, out = sys.argv[1], Path(sys.argv[2])
libs = {"tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2"}
header = re.compile(r"^tensorflow/include/(tensorflow/c/.*\.h|tensorflow/core/platform/ctstring.*\.h|tsl/platform/ctstring.*\.h|xla/tsl/c/[^/]*\.h)$")
found, headers = set(), 0
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name in libs:
            target = out / "lib" / Path(name).name
            found.add(name)
        elif m := header.match(name):
            target = out / "include" / m.group(1)
            headers += 1
        else:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with z.open(name) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
missing = libs - found
if missing or headers < 20:
    sys.exit(f"native-backend: the wheel lacks {sorted(missing)} or its C headers ({headers} found)")
print(f"{len(found)} libraries, {headers} headers", file=sys.stderr)
PY
  # Symbols are not needed to link against or load the libraries; stripping saves ~200 MB of disk.
  if command -v strip >/dev/null; then strip --strip-unneeded "$LIB_DIR"/lib/*.so.2; fi
  touch "$LIB_DIR/.complete"
fi

# 3. tfjs-node from npm without its install script. --save-prod: the name is an optional peer dependency
#    of this package, and npm would otherwise consider the request satisfied and install nothing;
#    --no-save keeps package.json and package-lock.json untouched.
if [[ $(node -p "try { require('./$PKG/package.json').version } catch { '' }") != "$TFJS_NODE_VERSION" ]]; then
  log "installing @tensorflow/tfjs-node@$TFJS_NODE_VERSION (scripts skipped)"
  npm install --no-save --save-prod --ignore-scripts --no-audit --no-fund --loglevel=error "@tensorflow/tfjs-node@$TFJS_NODE_VERSION"
fi
[[ -f $PKG/binding.gyp ]] || die "$PKG was not installed"

# 4. Lay out deps/ as binding.gyp expects. Hard links when the cache is on the same file system (no copy of
#    ~600 MB), else copies. libtensorflow.so.2.9.1 is the name the package's own install script checks before
#    it downloads, and custom-binary.json makes it build from source, so `npm rebuild` also works offline.
log "laying out $PKG/deps"
rm -rf "$PKG/deps" "$PKG/lib" "$PKG/build"
mkdir -p "$PKG/deps/lib"
cp -R "$LIB_DIR/include" "$PKG/deps/include"
for so in libtensorflow_cc.so.2 libtensorflow_framework.so.2; do
  ln "$LIB_DIR/lib/$so" "$PKG/deps/lib/$so" 2>/dev/null || cp "$LIB_DIR/lib/$so" "$PKG/deps/lib/$so"
done
ln -s libtensorflow_cc.so.2 "$PKG/deps/lib/libtensorflow.so"
ln -s libtensorflow_cc.so.2 "$PKG/deps/lib/libtensorflow.so.2"
ln -s libtensorflow_cc.so.2 "$PKG/deps/lib/libtensorflow.so.2.9.1"
ln -s libtensorflow_framework.so.2 "$PKG/deps/lib/libtensorflow_framework.so"
printf '{ "tf-lib": "file://%s" }\n' "$(cd "$LIB_DIR" && pwd)" > "$PKG/scripts/custom-binary.json"

# 5. Compile the addon (about 10 s of g++). node-pre-gyp runs `node $npm_config_node_gyp`, so that must be
# node-gyp's JavaScript entry point: under `npm run`, the `node-gyp` on PATH is npm's shell wrapper
# (node-gyp-bin/node-gyp), which node cannot run. npm's bundled node-gyp.js first, else a PATH one resolved
# to its real file.
log "building the addon with node-pre-gyp"
NODE_GYP=$(dirname "$(dirname "$(realpath "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js
if [[ ! -f $NODE_GYP ]] && command -v node-gyp >/dev/null; then
  NODE_GYP=$(realpath "$(command -v node-gyp)")
  head -c 200 "$NODE_GYP" | grep -q node || die "node-gyp on PATH ($NODE_GYP) is not a node script; install node-gyp"
fi
[[ -f $NODE_GYP ]] || die "node-gyp not found (looked on PATH and next to npm)"
(
  cd "$PKG"
  PRE_GYP=$(node -p "require.resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp', { paths: [process.cwd()] })")
  npm_config_nodedir=$NODEDIR npm_config_node_gyp=$NODE_GYP node "$PRE_GYP" install --build-from-source --loglevel=warn >&2
)

# 6. Check that it loads, computes, and is the version extracted.
out=$(check_backend) || die "the addon was built but does not load: $out"
[[ $out == "tensorflow $TF_WHEEL_VERSION" ]] || die "expected 'tensorflow $TF_WHEEL_VERSION', got '$out'"
log "ready: $out (selectBackend('auto') now picks it; LATENTFLOW_BACKEND=wasm to opt out)"
