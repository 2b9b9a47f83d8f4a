# shellcheck shell=bash
# Shared settings and helpers of the Wine test harness. Sourced by setup,
# go_windows_amd64_exec and gotest; not meant to be run on its own.
#
# Knobs (all optional):
#   OVIO_WINE_CACHE      cache root            (default ${XDG_CACHE_HOME:-$HOME/.cache}/ovio)
#   OVIO_WINEPREFIX      the Wine prefix       (default $OVIO_WINE_CACHE/wineprefix)
#   OVIO_WINE64          the 64-bit loader     (default /usr/lib/wine/wine64, else wine64 on PATH)
#   OVIO_WINESERVER      the wineserver binary (default /usr/lib/wine/wineserver64, ...)
#   OVIO_WINEDEBUG       WINEDEBUG for runs    (default -all)
#   OVIO_WINE_TIMEOUT    hard limit per run, as timeout(1) takes it ("90s", "20m";
#                        "0" = none). Default: the test's -test.timeout + 30s,
#                        or 30m when there is none.

# shellcheck disable=SC2034 # the variables below are used by the scripts that source this
ovio_wine_dir=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)

# CI may run us without HOME; Wine and the default cache need one.
if [[ -z ${HOME:-} ]]; then
    HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
    export HOME
fi

: "${OVIO_WINE_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/ovio}"
: "${OVIO_WINEPREFIX:=$OVIO_WINE_CACHE/wineprefix}"

# shellcheck disable=SC2034
# Debian packages that provide what the harness runs (wine64 = loader,
# libwine = wineserver and the builtin DLLs, mingw gcc = our ProcessPrng DLL,
# procps = pgrep/ps, absent from minimal images).
ovio_wine_packages=(wine wine64 gcc-mingw-w64-x86-64-win32 procps)
ovio_wine_cc=x86_64-w64-mingw32-gcc

ovio_wine_find_tools() {
    ovio_wine64=${OVIO_WINE64:-}
    if [[ -z $ovio_wine64 ]]; then
        if [[ -x /usr/lib/wine/wine64 ]]; then
            ovio_wine64=/usr/lib/wine/wine64
        else
            ovio_wine64=$(command -v wine64 || true)
        fi
    fi
    # Prefer the real binary: Debian's /usr/lib/wine/wineserver wrapper adds -p0.
    ovio_wineserver=${OVIO_WINESERVER:-}
    if [[ -z $ovio_wineserver ]]; then
        local c
        for c in /usr/lib/wine/wineserver64 /usr/lib/wine/wineserver "$(command -v wineserver || true)"; do
            if [[ -n $c && -x $c ]]; then
                ovio_wineserver=$c
                break
            fi
        done
    fi
}
ovio_wine_find_tools

# The environment every Wine process of the harness gets.
ovio_wine_export_env() {
    export WINEPREFIX=$OVIO_WINEPREFIX
    export WINEDEBUG=${OVIO_WINEDEBUG:--all}
    export WINELOADER=$ovio_wine64
    # No Mono/Gecko installer prompts, no desktop menu entries.
    export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=;winemenubuilder.exe=d}
}

ovio_wine_log() { printf 'ovio-wine: %s\n' "$*" >&2; }
ovio_wine_die() { ovio_wine_log "error: $*"; exit 1; }

# The lock that serialises prefix creation/repair and wineserver start-up.
# It lives beside the prefix, so it survives the prefix being rebuilt.
ovio_wine_lockfile() { printf '%s.lock\n' "$OVIO_WINEPREFIX"; }

# Close every descriptor above 2 in the current (sub)shell, so that daemons
# started from here hold neither go test's pipes nor our lock.
ovio_wine_close_fds() {
    local f fd
    for f in /proc/self/fd/*; do
        fd=${f##*/}
        if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)); then
            exec {fd}>&-
        fi
    done
}

# Run a command in its own session with stdio on /dev/null (or the file
# given in $ovio_wine_log_to) and no other inherited descriptors; waits for it
# and returns its status. Whatever it leaves running holds nothing of ours.
ovio_wine_detached() {
    local out=${ovio_wine_log_to:-/dev/null}
    (
        ovio_wine_close_fds
        exec setsid -w "$@"
    ) </dev/null >>"$out" 2>&1
}

# The stamp that says the prefix is complete and what it was made with.
ovio_wine_stamp_file() { printf '%s/.ovio-stamp\n' "$1"; }
ovio_wine_dll_dest() { printf '%s/drive_c/windows/system32/bcryptprimitives.dll\n' "$1"; }

# Cheap check used on every run: the prefix was finished by setup and has the DLL.
ovio_wine_prefix_ready() {
    [[ -f $(ovio_wine_stamp_file "$OVIO_WINEPREFIX") && -f $(ovio_wine_dll_dest "$OVIO_WINEPREFIX") &&
        -f $OVIO_WINEPREFIX/system.reg ]]
}

# PID of the live wineserver serving $OVIO_WINEPREFIX, if any. wineserver
# runs with its socket directory, named after the prefix's device and inode,
# as working directory.
ovio_wine_server_pid() {
    [[ -d $OVIO_WINEPREFIX ]] || return 0
    local name pid cwd
    name=$(printf 'server-%s-%x' "$(stat -c %D "$OVIO_WINEPREFIX")" "$(stat -c %i "$OVIO_WINEPREFIX")")
    for pid in $(pgrep -x -u "$(id -u)" 'wineserver(64)?' || true); do
        cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || continue
        if [[ ${cwd##*/} == "$name" ]]; then
            printf '%s\n' "$pid"
            return 0
        fi
    done
}

# Whether that wineserver still serves: it holds a POSIX lock on the "lock"
# file in its directory until it shuts down. A server that has let go of it
# is exiting (wineserver -k/-w return about then) and must not be trusted.
# Read from the server's own fdinfo: /proc/locks lists every lock on the
# machine and, once longer than a page, can skip lines while go builds churn.
ovio_wine_server_serving() {
    local ino try
    for try in 1 2 3; do
        if ino=$(stat -c %i "/proc/$1/cwd/lock" 2>/dev/null) &&
            grep -qsE "^lock:\s+[0-9]+: POSIX +ADVISORY +WRITE +$1 [0-9a-f]+:[0-9a-f]+:$ino " /proc/"$1"/fdinfo/*; then
            return 0
        fi
        ((try < 3)) && sleep 0.05
    done
    return 1
}

# Wait (up to ~5s) until no wineserver process is left for the prefix.
ovio_wine_server_gone() {
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -z $(ovio_wine_server_pid) ]] && return 0
        sleep 0.05
    done
    return 1
}

# Start time of a process (clock ticks since boot): with the pid, it names
# one server instance even if pids get reused.
ovio_wine_proc_start() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    # Fields after "comm)": state is field 3, starttime field 22.
    local -a f
    read -r -a f <<<"$stat"
    printf '%s\n' "${f[19]}"
}

# Whether a wineserver runs with infinite persistence (last -p option wins;
# "-p" alone means forever, "-pN" means N seconds).
ovio_wine_server_persistent() {
    local arg p=""
    while IFS= read -r -d '' arg; do
        case $arg in
        -p) p=forever ;;
        -p[0-9]*) p=${arg#-p} ;;
        esac
    done <"/proc/$1/cmdline"
    [[ $p == forever ]]
}
