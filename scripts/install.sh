#!/bin/bash
# Installs sysprep from this tarball on a distribution without the .deb, or removes it again.
#
#   ./install.sh [--prefix DIR]     install (default prefix /usr/local); again to upgrade
#   ./install.sh --uninstall        remove exactly what was installed (also /usr/lib/sysprep/install.sh --uninstall)
#
# What goes where:
#   /usr/lib/sysprep/               the tool and its own Node.js runtime: always here, whatever the prefix.
#                                   It is the first-boot agent generalize installs into an image, at the
#                                   path the units and the runner name, so a seal of this machine finds it
#                                   in place and makes no second copy.
#   PREFIX/sbin/sysprep             a link to /usr/lib/sysprep/sysprep
#   PREFIX/share/man/man8/sysprep.8.gz, PREFIX/share/bash-completion/completions/sysprep,
#   PREFIX/share/doc/sysprep/       the manual page, the bash completion, the documentation
#   /usr/lib/sysprep/install.manifest   what was installed (uninstall reads it), and this script
#
# Nothing is started, no unit is enabled, nothing outside those paths is written. A path that exists and
# was not installed by an earlier run of this script is not overwritten (--force to overwrite it; it is
# then removed by --uninstall). Needs root, bash and coreutils.
set -euo pipefail
export LC_ALL=C
AGENT_DIR=/usr/lib/sysprep
MANIFEST=$AGENT_DIR/install.manifest
here=$(cd "$(dirname "$0")" && pwd)
prefix=/usr/local
mode=install
force=0

usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
die() { echo "install.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || usage; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --uninstall) mode=uninstall; shift ;;
    --force) force=1; shift ;;
    -h|--help) usage ;;
    *) echo "install.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
case $prefix in /*) ;; *) die "--prefix must be an absolute path: $prefix" ;; esac
case $prefix in *[[:space:]]*) die "--prefix must not contain white space (the manifest is one path a line)" ;; esac
prefix=${prefix%/}
[ "$(id -u)" = 0 ] || die "run me as root"

# the manifest: one line per thing installed, "f PATH" (file), "l PATH" (link), "d PATH" (a directory
# this script created), in the order they were made
old_entries() { if [ -f "$MANIFEST" ]; then grep -E '^[fld] /' "$MANIFEST" || true; fi; }

uninstall() {
  [ -f "$MANIFEST" ] || die "nothing to uninstall: $MANIFEST is missing"
  local entries kind p
  entries=$(old_entries)
  # files and links first, then the directories it made, deepest first (only if empty)
  while read -r kind p; do
    case $kind in
      f) if [ -f "$p" ] && [ ! -L "$p" ]; then rm -f -- "$p"; fi ;;
      l) if [ -L "$p" ]; then rm -f -- "$p"; fi ;;
    esac
  done <<< "$entries"
  while read -r kind p; do
    [ "$kind" = d ] || continue
    if [ -d "$p" ] && ! rmdir -- "$p" 2>/dev/null; then echo "install.sh: kept $p: it holds files this script did not install" >&2; fi
  done <<< "$(printf '%s\n' "$entries" | sort -r -k2)"
  # a seal run from this installation linked /usr/sbin/sysprep to the agent (as it does in every
  # image): with the agent gone that link points at nothing
  if [ -L /usr/sbin/sysprep ] && [ ! -e /usr/sbin/sysprep ] && [ "$(readlink /usr/sbin/sysprep)" = "$AGENT_DIR/sysprep" ]; then
    rm -f /usr/sbin/sysprep
  fi
  echo "sysprep removed"
}

if [ "$mode" = uninstall ]; then uninstall; exit 0; fi

[ -d "$here/files$AGENT_DIR" ] || die "run me from the unpacked tarball (files/ is missing beside me)"
if command -v dpkg-query >/dev/null 2>&1 && [ "$(dpkg-query -W -f='${db:Status-Status}' sysprep 2>/dev/null || true)" = installed ]; then
  die "the sysprep .deb is installed: upgrade or remove it with the package manager"
fi

previous=$(old_entries)
# (here-strings, not pipes: with pipefail, grep -q leaving early would fail the pipe with SIGPIPE)
was_ours() { grep -qxF -- "$1 $2" <<< "$previous"; }

declare -a made=()
new_dir() { # mkdir -p, recording the levels it makes
  local d=$1 missing=()
  while [ ! -d "$d" ]; do missing=("$d" "${missing[@]}"); d=$(dirname "$d"); done
  for d in "${missing[@]}"; do mkdir -m 0755 -- "$d"; made+=("d $d"); done
  return 0
}
check_free() { # may this script write $2 (a path of kind $1)?
  if [ -e "$2" ] || [ -L "$2" ]; then
    was_ours "$1" "$2" || [ "$force" = 1 ] || die "$2 exists and was not installed by this script (--force overwrites it)"
  fi
}
put_file() { # SOURCE DEST MODE: written beside, then renamed
  check_free f "$2"
  new_dir "$(dirname "$2")"
  local tmp
  tmp=$(dirname "$2")/.$(basename "$2").install-$$
  cp -- "$1" "$tmp" && chmod "$3" "$tmp" && touch -r "$1" "$tmp" && mv -f -- "$tmp" "$2"
  made+=("f $2")
}
put_link() { # DEST TARGET
  check_free l "$1"
  new_dir "$(dirname "$1")"
  ln -sfn -- "$2" "$1"
  made+=("l $1")
}

# the directories the previous install made stay made (so an upgrade keeps them in the manifest)
while read -r kind p; do if [ "$kind" = d ] && [ -d "$p" ]; then made+=("d $p"); fi; done <<< "$previous"

src=$here/files
# what goes where (the agent with its modes and times: generalize compares size, time and mode)
kinds=() dests=() froms=() perms=()
plan() { kinds+=("$1"); dests+=("$2"); froms+=("$3"); perms+=("$4"); }
# (lists through a file, not <(…): a minimal chroot may have no /dev/fd)
list=$(mktemp)
trap 'rm -f "$list"' EXIT
find "$src$AGENT_DIR" -type f -print0 | sort -z > "$list"
while IFS= read -r -d '' f; do plan f "${f#"$src"}" "$f" "$(stat -c %a "$f")"; done < "$list"
find "$src/share" -type f -print0 | sort -z > "$list"
while IFS= read -r -d '' f; do plan f "$prefix/share${f#"$src/share"}" "$f" 644; done < "$list"
plan l "$prefix/sbin/sysprep" "$AGENT_DIR/sysprep" -
plan f "$AGENT_DIR/install.sh" "$here/install.sh" 755
# every destination checked before anything is written: a refusal leaves the machine as it was
for i in "${!kinds[@]}"; do check_free "${kinds[$i]}" "${dests[$i]}"; done
for i in "${!kinds[@]}"; do
  if [ "${kinds[$i]}" = f ]; then put_file "${froms[$i]}" "${dests[$i]}" "${perms[$i]}"; else put_link "${dests[$i]}" "${froms[$i]}"; fi
done

# what the previous install had and this one does not: removed (an upgrade leaves no stray file)
while read -r kind p; do
  case $kind in f|l) ;; *) continue ;; esac
  if grep -qxF -- "$kind $p" <<< "$(printf '%s\n' "${made[@]}")"; then continue; fi
  if [ "$kind" = f ] && [ -f "$p" ]; then rm -f -- "$p"; elif [ "$kind" = l ] && [ -L "$p" ]; then rm -f -- "$p"; fi
done <<< "$previous"

{
  echo "# sysprep $(cat "$here/VERSION"), installed by install.sh --prefix $prefix; remove with $AGENT_DIR/install.sh --uninstall"
  printf '%s\n' "${made[@]}" | sort -u
  echo "f $MANIFEST"
} > "$MANIFEST.new"
chmod 0644 "$MANIFEST.new"
mv -f -- "$MANIFEST.new" "$MANIFEST"
echo "sysprep $(cat "$here/VERSION") installed: $prefix/sbin/sysprep (the tool and its runtime in $AGENT_DIR)"
