#!/usr/bin/env bash
# Starts a PulseAudio daemon with a null sink for tests, on a machine with no sound card
# (CI runs as root, no display). Safe to run any number of times: an already running
# daemon is reused.
#
# The null sink "nullsink" becomes the default speaker and its monitor
# "nullsink.monitor" the default microphone, so audio played to the default speaker can
# be recorded back from the default microphone. cpal reaches PulseAudio through ALSA's
# `default`/`pulse` devices (package libasound2-plugins).
#
# Use either way:
#   source scripts/start-pulseaudio.sh          # exports the variables into this shell
#   eval "$(scripts/start-pulseaudio.sh)"       # prints `export NAME=value` lines
# Variables: XDG_RUNTIME_DIR (a fixed 0700 directory), PULSE_SERVER.
# Needs: pulseaudio, pulseaudio-utils (pactl), libasound2-plugins.

peercall_start_pulseaudio() {
    local runtime="${PEERCALL_PULSE_RUNTIME:-/tmp/peercall-pulse}"
    mkdir -p "$runtime" && chmod 700 "$runtime" || return 1
    export XDG_RUNTIME_DIR="$runtime"
    export PULSE_SERVER="unix:$runtime/pulse/native"
    # PulseAudio wants a writable home for its cookie.
    if [ -z "${HOME:-}" ] || [ ! -w "${HOME}" ]; then
        export HOME="$runtime/home"
        mkdir -p "$HOME"
    fi
    if ! command -v pulseaudio >/dev/null || ! command -v pactl >/dev/null; then
        echo "start-pulseaudio: install pulseaudio and pulseaudio-utils (apt-get install -y pulseaudio pulseaudio-utils libasound2-plugins)" >&2
        return 1
    fi
    if ! pactl info >/dev/null 2>&1; then
        # -n: no default.pa; the modules we need are loaded explicitly.
        pulseaudio -D --exit-idle-time=-1 --disallow-exit -n \
            --load=module-native-protocol-unix \
            --load="module-null-sink sink_name=nullsink" \
            --load=module-always-sink \
            --log-target=stderr >/dev/null 2>"$runtime/pulseaudio.log" || true
        local i
        for i in $(seq 1 100); do
            pactl info >/dev/null 2>&1 && break
            sleep 0.1
        done
        if ! pactl info >/dev/null 2>&1; then
            echo "start-pulseaudio: PulseAudio did not come up; log: $runtime/pulseaudio.log" >&2
            cat "$runtime/pulseaudio.log" >&2 2>/dev/null
            return 1
        fi
    fi
    # The daemon runs its I/O threads real-time itself (SCHED_RR 5 as root) but not its
    # main thread, which answers every client (data requests, writes, new streams). On a
    # 2-core CI machine beside two apps' webviews it waited on the run queue for up to
    # 95-347 ms at a time, longer than the 85 ms block the app's speaker is given, and
    # the plugin reported underruns the app could do nothing about. Real-time too, where
    # allowed, so the tests measure the app and not a starved sound server.
    local pid
    pid="$(cat "$runtime/pulse/pid" 2>/dev/null || true)"
    [ -n "$pid" ] && command -v chrt >/dev/null && chrt -r -p 5 "$pid" >/dev/null 2>&1 || true
    local sinks
    sinks="$(pactl list short sinks 2>/dev/null || true)"
    case "$sinks" in
        *nullsink*) ;;
        *) pactl load-module module-null-sink sink_name=nullsink >/dev/null ;;
    esac
    pactl set-default-sink nullsink
    pactl set-default-source nullsink.monitor
    echo "export XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR"
    echo "export PULSE_SERVER=$PULSE_SERVER"
    [ "$HOME" = "$runtime/home" ] && echo "export HOME=$HOME"
    return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    peercall_start_pulseaudio
else
    peercall_start_pulseaudio >/dev/null
fi
