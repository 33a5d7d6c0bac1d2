#!/usr/bin/env bash
# Installs the Debian packages the kiosk needs, or, when not root, prints the exact apt-get line
# and stops. Called by `make` before the Python environment is built; safe to run repeatedly
# (it only calls apt-get when something is missing).
set -euo pipefail

# Why each group is here:
#  Qt (offscreen and on a display): libegl1 libgl1 libfontconfig1 libxkbcommon0 libglib2.0-0 libdbus-1-3
#  QtMultimedia and the PulseAudio client: libpulse0
#  Microphone capture through sounddevice/PortAudio, also without a sound card (PulseAudio null sink
#  + ALSA's pulse plugin): libportaudio2 pulseaudio pulseaudio-utils libasound2-plugins alsa-utils
#  Speech for regenerating sample media and for audio tests: espeak-ng sox
#  Chinese glyphs on screen: fonts-wqy-microhei
PACKAGES=(
  libegl1 libgl1 libfontconfig1 libxkbcommon0 libglib2.0-0 libdbus-1-3
  libpulse0
  libportaudio2 pulseaudio pulseaudio-utils libasound2-plugins alsa-utils
  espeak-ng sox
  fonts-wqy-microhei
  # Printing through the system queue (receipts, reports, the admin's test page); cups-pdf is
  # the queue the tests print to.
  cups cups-client cups-bsd printer-driver-cups-pdf
  # The screenshot gallery renders every screen under a real X server (scripts/gallery.py).
  xvfb xauth libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xkb1 libxcb-xfixes0 libxcb-sync1
  libxcb-shm0 libxkbcommon-x11-0 matchbox-window-manager
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "bootstrap: this is not a Debian-based system; install the equivalents of: ${PACKAGES[*]}" >&2
  exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "bootstrap: these Debian packages are missing. Run, as root:" >&2
  echo "  apt-get update && $line" >&2
  echo "then run make again." >&2
  exit 1
fi

echo "bootstrap: installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends "${missing[@]}"
