"""Cameras, microphones, replay devices and media writers.

A leaf package: it imports numpy, OpenCV, PortAudio (sounddevice, on first use)
and PyAV, and from the kiosk only ``kiosk.errors``. The core chooses devices by
config through :mod:`hardware.specs` and talks to them through the
:class:`Camera` and :class:`Microphone` protocols.
"""

from hardware.camera import Camera, OpenCVCamera, fit_frame
from hardware.media import AudioBlock, CameraInfo, Pace, VideoFrame
from hardware.microphone import Microphone, SoundDeviceMicrophone, list_input_devices
from hardware.replay import ReplayCamera, ReplayMicrophone, decode_audio
from hardware.speaker import NullSpeaker, Speaker, build_speaker, synthesize, tone
from hardware.specs import CameraSpec, MicrophoneSpec, make_camera, make_microphone
from hardware.writers import VideoFileWriter, WavWriter, decode_jpeg, encode_jpeg

__all__ = [
    "AudioBlock",
    "Camera",
    "CameraInfo",
    "CameraSpec",
    "Microphone",
    "MicrophoneSpec",
    "NullSpeaker",
    "OpenCVCamera",
    "Pace",
    "ReplayCamera",
    "ReplayMicrophone",
    "SoundDeviceMicrophone",
    "Speaker",
    "VideoFileWriter",
    "VideoFrame",
    "WavWriter",
    "build_speaker",
    "decode_audio",
    "decode_jpeg",
    "encode_jpeg",
    "fit_frame",
    "list_input_devices",
    "make_camera",
    "make_microphone",
    "synthesize",
    "tone",
]
