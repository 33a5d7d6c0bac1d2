"""On-device inference: speech, voice activity, voice and video features, and the model registry.

A leaf: imports no other first-party package but ``kiosk.errors``. Heavy libraries load inside
constructors, so importing this package is cheap.
"""

from models.features import Measure, Span
from models.registry import ModelInfo, ModelRegistry, Verification
from models.speech import SpeechRecognizer, Transcript, Word
from models.vad import LiveVad, SpeechSegment, VadState, VoiceActivityDetector

__all__ = [
    "LiveVad",
    "Measure",
    "ModelInfo",
    "ModelRegistry",
    "Span",
    "SpeechRecognizer",
    "SpeechSegment",
    "Transcript",
    "VadState",
    "Verification",
    "VoiceActivityDetector",
    "Word",
]
