#!/usr/bin/env bash
# Creates the project's virtual environment (.venv) from nothing and installs Plumb into it.
# Safe to run again: it reinstalls only when pyproject.toml or this script changed.
#   bash packaging/setup.sh          the application
#   bash packaging/setup.sh --test   the application and the test tools
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

extras=""
[ "${1:-}" = "--test" ] && extras="[test]"

python=${PLUMB_PYTHON:-}
if [ -z "$python" ]; then
    for candidate in python3.11 python3.12 python3; do
        if command -v "$candidate" >/dev/null 2>&1; then python=$candidate; break; fi
    done
fi
if [ -z "$python" ] || ! "$python" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 13) else 1)'; then
    echo "plumb setup: Python 3.11 or 3.12 is needed (found: ${python:-none}). Install python3.11, or set PLUMB_PYTHON to one." >&2
    exit 1
fi

# Shared libraries Qt needs for a window on X11/Wayland (offscreen tests need none of them).
qt_libs="libgl1 libegl1 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0
libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0
libxcb-randr0 libxcb-xfixes0 libglib2.0-0"
if command -v dpkg-query >/dev/null 2>&1; then
    missing=""
    for lib in $qt_libs; do
        dpkg-query -W -f='${Status}' "$lib" 2>/dev/null | grep -q "ok installed" || missing="$missing $lib"
    done
    if ! "$python" -m venv --help >/dev/null 2>&1 || ! "$python" -c 'import ensurepip' 2>/dev/null; then
        missing="$missing python3-venv"
    fi
    # The tests start PostgreSQL servers of their own (team projects run on PostgreSQL).
    if [ -n "$extras" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
        missing="$missing postgresql"
    fi
    if [ -n "$missing" ]; then
        if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
            echo "plumb setup: installing system packages:$missing"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
        else
            echo "plumb setup: the window (and, for the tests, PostgreSQL) needs these system packages; install them as root:" >&2
            echo "  sudo apt-get install$missing" >&2
        fi
    fi
fi

venv="$root/.venv"
stamp="$venv/.plumb-installed"
want=$( (cat pyproject.toml packaging/setup.sh; echo "$extras") | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip="$venv/bin/python -m pip --disable-pip-version-check --no-input"
# torch first and pinned: an unpinned resolution would fetch a multi-GB CUDA build.
$pip install -q "torch==2.13.0"
$pip install -q -e ".$extras"
# mediapipe 0.10.21 is the last release whose wheel carries the pose models (offline use);
# its real dependencies are listed in pyproject.toml.
$pip install -q --no-deps "mediapipe==0.10.21"
# BlazePose heavy, the more accurate landmark network the wheel lacks, from Google's npm package
# @mediapipe/pose (Apache-2.0), its digests checked (inference/pose/landmark_models.py).
# PLUMB_SKIP_HEAVY=1 installs without it: poses are then read with the wheel's network alone.
if [ -z "${PLUMB_SKIP_HEAVY:-}" ]; then
    "$venv/bin/python" -m inference.pose.landmark_models install \
        || { echo "plumb setup: set PLUMB_SKIP_HEAVY=1 to install without the heavy landmark network." >&2; exit 1; }
fi
"$venv/bin/python" -c 'import cv2, av, PySide6, sqlalchemy, alembic, torch, mediapipe' \
    || { echo "plumb setup: the environment was installed but does not import; see the messages above." >&2; exit 1; }
echo "$want" > "$stamp"
