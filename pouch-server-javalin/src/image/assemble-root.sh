#!/usr/bin/env bash
# Lays out the image's own files for Jib (profile `image`), since no base image can be pulled:
# a jlink'ed Java runtime at /opt/java, the shared libraries it and SQLite's native library load
# (copied from this machine, at the same paths), /etc/passwd and /etc/group with the non-root user
# `pouch` (uid and gid 65532), /data (the volume) and /tmp (sqlite-jdbc unpacks its library there).
# Usage: assemble-root.sh FAT_JAR OUT_DIR (the runtime comes from the JDK of `javac` on the PATH,
# or POUCH_IMAGE_JDK; it needs its jmods/ folder).
set -euo pipefail
jar="$1"
out="$2"
java_home="${POUCH_IMAGE_JDK:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"

# A fixed module list: jdeps on the fat jar misses what is loaded reflectively or as a service
# (TLS's EC curves, the JDK's HTTP client, JMX for metrics), and takes half a minute.
modules=java.base,java.desktop,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml
modules="$modules,jdk.crypto.ec,jdk.management,jdk.unsupported,jdk.zipfs"

rm -rf "$out"
mkdir -p "$out/opt" "$out/etc" "$out/data" "$out/tmp"
"$java_home/bin/jlink" --module-path "$java_home/jmods" --add-modules "$modules" \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$out/opt/java"

# Debian's JDK links its CA store to /etc/ssl/certs/java/cacerts; the image carries a copy.
cacerts="$out/opt/java/lib/security/cacerts"
if [ -L "$cacerts" ] || [ ! -s "$cacerts" ]; then
  rm -f "$cacerts"
  cp -L "$java_home/lib/security/cacerts" "$cacerts"
fi

# The shared libraries the runtime and sqlite-jdbc's native library need, at their own paths;
# java.desktop is there for java.beans only (JDBI, Jackson), so its AWT, font, image and sound
# libraries (never loaded headless) bring no X11 or font libraries along.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && "$java_home/bin/jar" xf "$jar" org/sqlite/native/Linux/x86_64/libsqlitejdbc.so)
{
  find "$out/opt/java" \( -name '*.so' -o -path '*/bin/*' \) -type f \
    | grep -Ev '/lib(awt|awt_headless|awt_xawt|fontmanager|javajpeg|jawt|jsound|lcms|mlib_image|splashscreen)\.so$'
  echo "$scratch/org/sqlite/native/Linux/x86_64/libsqlitejdbc.so"
} | while read -r binary; do
  ldd "$binary" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }' || true
done | sort -u | while read -r lib; do
  case "$lib" in "$out"/*) continue ;; esac
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done

printf 'root:x:0:0:root:/root:/sbin/nologin\npouch:x:65532:65532:pouch:/data:/sbin/nologin\n' \
  >"$out/etc/passwd"
printf 'root:x:0:\npouch:x:65532:\n' >"$out/etc/group"
