"""The loudspeaker: spoken question prompts for candidates, and the IT admin's speaker test.

:class:`Speaker` plays mono ``float32`` samples through PortAudio (``sounddevice.OutputStream``)
and blocks until they have been played, with a timeout: a sound server that stalls must not
hang the caller. :func:`tone` makes a test tone; :func:`synthesize` turns text into speech with
the ``espeak-ng`` program (Debian package ``espeak-ng``; GPL, run as a separate program and not
linked), which is offline and speaks both interview languages. :class:`NullSpeaker` is the
terminal without a loudspeaker (``speaker.kind = "none"``): it plays nothing.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import struct
import subprocess
import threading
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from kiosk.errors import DeviceLostError, ErrorKind, HardwareError

log = logging.getLogger(__name__)

#: espeak-ng voices by interview language: American English, and Mandarin for Chinese.
VOICES = {"en": "en-us", "zh": "cmn"}
#: Longer texts are refused: a spoken prompt is a question, not a document.
MAX_TEXT_CHARS = 2000
#: How long espeak-ng may take (it synthesises a question in well under a second).
SYNTH_TIMEOUT_SECONDS = 30.0
#: Playing may take this much longer than the sound lasts before it counts as stalled
#: (opening a PulseAudio stream alone can take ~2 s).
PLAY_MARGIN_SECONDS = 5.0

Samples = npt.NDArray[np.float32]


def _sounddevice() -> ModuleType:
    # Imported on first use, as in hardware.microphone: a terminal without a loudspeaker (or
    # without PortAudio) must still start.
    try:
        import sounddevice  # noqa: PLC0415 - deliberately lazy, see above
    except OSError as error:  # raised when libportaudio2 is missing
        raise HardwareError(
            "the PortAudio library is missing (Debian package libportaudio2)"
        ) from error
    module: ModuleType = sounddevice
    return module


def tone(frequency: float = 440.0, seconds: float = 1.0, rate: int = 48000) -> Samples:
    """A sine tone at half of full scale, faded in and out over 10 ms so it does not click."""
    if frequency <= 0 or seconds <= 0 or rate <= 0 or frequency >= rate / 2:
        raise ValueError("need 0 < frequency < rate / 2, and positive seconds and rate")
    t = np.arange(round(seconds * rate), dtype=np.float64) / rate
    samples: npt.NDArray[np.float64] = 0.5 * np.sin(2 * np.pi * frequency * t)
    fade = min(len(samples) // 2, round(0.01 * rate))
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        samples[:fade] *= ramp
        samples[-fade:] *= ramp[::-1]
    return samples.astype(np.float32)


def synthesize(text: str, language: str, *, words_per_minute: int = 150) -> tuple[Samples, int]:
    """Speech for ``text`` in ``language`` (``en`` or ``zh``): (mono float32 samples, rate).

    The text reaches espeak-ng on its standard input, never on its command line, so no text
    can be read as an option, and espeak-ng's markup mode stays off. Raises
    :class:`HardwareError` if espeak-ng is missing, fails or takes too long.
    """
    voice = VOICES.get(language, language if language in VOICES.values() else None)
    if voice is None:
        raise HardwareError(
            f"no speech voice for language {language!r}", kind=ErrorKind.INVALID_INPUT
        )
    if not text.strip():
        return np.zeros(0, dtype=np.float32), 22050
    if len(text) > MAX_TEXT_CHARS:
        raise HardwareError(
            f"text to speak is too long ({len(text)} characters)", kind=ErrorKind.INVALID_INPUT
        )
    program = shutil.which("espeak-ng")
    if program is None:
        raise HardwareError("speech synthesis needs espeak-ng (Debian package espeak-ng)")
    command = [program, "--stdout", "-v", voice, "-s", str(int(words_per_minute))]
    try:
        done = subprocess.run(
            command,
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=SYNTH_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise HardwareError(
            f"espeak-ng did not finish within {SYNTH_TIMEOUT_SECONDS:g} s"
        ) from None
    except OSError as exc:
        raise HardwareError(f"espeak-ng could not be started ({exc.strerror})") from None
    if done.returncode != 0:
        # espeak-ng's own message names the voice or the audio problem, never the text.
        reason = done.stderr.decode("utf-8", errors="replace").strip()[:200]
        raise HardwareError(f"espeak-ng failed ({done.returncode}): {reason}")
    return read_wav(done.stdout)


def read_wav(data: bytes) -> tuple[Samples, int]:
    """Mono float32 samples and the rate of a 16-bit PCM WAV.

    Written for espeak-ng's ``--stdout``, whose header cannot know the length in advance and
    says "until the end" (0x7fffffff-ish sizes); the data chunk is read to what is really there.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise HardwareError("speech synthesis produced no WAV audio", kind=ErrorKind.MEDIA_INVALID)
    offset, rate, channels, bits = 12, 0, 0, 0
    while offset + 8 <= len(data):
        chunk, size = (
            data[offset : offset + 4],
            struct.unpack("<I", data[offset + 4 : offset + 8])[0],
        )
        body = offset + 8
        if chunk == b"fmt ":
            fmt, channels, rate = struct.unpack("<HHI", data[body : body + 8])
            bits = struct.unpack("<H", data[body + 14 : body + 16])[0]
            if fmt != 1 or bits != 16 or channels < 1:
                raise HardwareError(
                    f"unsupported WAV format {fmt}/{bits} bit", kind=ErrorKind.MEDIA_INVALID
                )
        elif chunk == b"data":
            if not rate:
                break
            pcm = data[body : body + min(size, len(data) - body)]
            pcm = pcm[: len(pcm) - len(pcm) % (2 * channels)]
            frames = np.frombuffer(pcm, dtype="<i2").reshape(-1, channels)
            return (frames.mean(axis=1) / 32768.0).astype(np.float32), rate
        offset = body + size + (size & 1)
    raise HardwareError("the WAV audio has no data", kind=ErrorKind.MEDIA_INVALID)


class Speaker:
    """The loudspeaker, through PortAudio: ``device`` is an index, (part of) a device name, or
    ``None`` for the system's default output."""

    #: Whether this speaker makes a sound (False for :class:`NullSpeaker`).
    audible = True

    def __init__(self, device: int | str | None = None) -> None:
        self._device = device
        self._name = "default loudspeaker" if device is None else f"loudspeaker {device!r}"
        # One sound at a time: a second call waits for the first instead of mixing with it.
        self._lock = threading.Lock()

    @property
    def device(self) -> int | str | None:
        """The PortAudio output device (``None``: the system default)."""
        return self._device

    tone = staticmethod(tone)
    synthesize = staticmethod(synthesize)

    def play(
        self,
        samples: Samples,
        rate: int,
        *,
        timeout: float | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        """Play mono ``samples`` at ``rate`` Hz and return when they have been played, or as
        soon as ``cancel`` is set (within one audio block: a question read aloud must fall
        silent when the answer's recording starts).

        Raises :class:`HardwareError` if the device cannot be opened, and
        :class:`DeviceLostError` if it is not done after the sound's length plus ``timeout``
        seconds (default :data:`PLAY_MARGIN_SECONDS`): a stalled sound server never holds the
        caller longer than that.
        """
        audio = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
        if rate <= 0:
            raise ValueError("rate must be positive")
        if not len(audio):
            return
        limit = len(audio) / rate + (PLAY_MARGIN_SECONDS if timeout is None else timeout)
        with self._lock:
            # PortAudio calls can block on a stalled sound server (opening and closing too), so
            # they run on a thread of their own; the caller waits for it only until the limit.
            outcome: list[BaseException] = []
            worker = threading.Thread(
                target=self._play,
                args=(audio, rate, limit, outcome, cancel or threading.Event()),
                name="speaker",
                daemon=True,
            )
            worker.start()
            worker.join(limit)
            if worker.is_alive():
                raise DeviceLostError(f"{self._name} stalled: not done after {limit:.1f} s")
            if outcome:
                raise outcome[0]

    def _play(
        self,
        audio: Samples,
        rate: int,
        limit: float,
        outcome: list[BaseException],
        cancel: threading.Event,
    ) -> None:
        try:
            sd = _sounddevice()
        except HardwareError as error:
            outcome.append(error)
            return
        finished = threading.Event()
        position = 0

        def fill(outdata: Any, frames: int, time_info: Any, status: Any) -> None:
            # PortAudio's audio thread: copy the next block, then silence and stop at the end.
            nonlocal position
            if cancel.is_set():
                outdata.fill(0.0)
                raise sd.CallbackAbort  # at once: no draining of what is queued
            chunk = audio[position : position + frames]
            outdata[: len(chunk), 0] = chunk
            outdata[len(chunk) :, 0] = 0.0
            position += len(chunk)
            if len(chunk) < frames:
                raise sd.CallbackStop

        stream: Any = None
        try:
            stream = sd.OutputStream(
                device=self._device,
                samplerate=rate,
                channels=1,
                dtype="float32",
                callback=fill,
                finished_callback=finished.set,
            )
            stream.start()
            # Set once the last block has been played out (or the stream failed).
            if not finished.wait(limit):
                outcome.append(DeviceLostError(f"{self._name} stalled while playing"))
        except (sd.PortAudioError, ValueError) as error:
            # ValueError: no device matches the name, or none is an output.
            outcome.append(HardwareError(f"cannot open {self._name}: {error}"))
        finally:
            if stream is not None:
                with contextlib.suppress(sd.PortAudioError):
                    stream.abort()
                    stream.close()


class NullSpeaker(Speaker):
    """No loudspeaker (``speaker.kind = "none"``): playing does nothing, at once."""

    audible = False

    def __init__(self) -> None:
        super().__init__(None)
        self._name = "no loudspeaker"

    def play(
        self,
        samples: Samples,
        rate: int,
        *,
        timeout: float | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        """Nothing to play on."""
        log.debug("no loudspeaker configured: %d samples not played", len(samples))


def build_speaker(kind: str, device: str = "") -> Speaker:
    """The loudspeaker of ``speaker.kind`` and ``speaker.device``; nothing is opened yet."""
    if kind == "none":
        return NullSpeaker()
    if kind != "sounddevice":
        raise HardwareError(
            f"speaker kind must be 'sounddevice' or 'none', not {kind!r}",
            kind=ErrorKind.CONFIG_INVALID,
        )
    if not device:
        return Speaker(None)
    return Speaker(int(device) if device.isdigit() else device)
