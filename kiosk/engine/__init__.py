"""The interview engine: a pure state machine for the candidate journey.

``transition(state, event, now)`` returns the next state and the effects the runner must carry
out; ``resume(state, now)`` says where a restarted process continues. See docs/engine.md.
"""

from kiosk.engine.machine import EngineSettings, TransitionError, resume, transition
from kiosk.engine.state import (
    Abandon,
    AnswerMode,
    CheckIn,
    Choose,
    CloseSession,
    CompletedAnswer,
    Continue,
    Decline,
    DeviceCheckPassed,
    DeviceLost,
    DeviceRestored,
    DiscardRecording,
    Effect,
    Event,
    Finalise,
    FinishAnswer,
    GiveConsent,
    InterviewState,
    Notice,
    OpenSession,
    Outcome,
    PlannedQuestion,
    Proceed,
    RecordConsent,
    Reset,
    Retake,
    Stage,
    StartAnswer,
    StartRecording,
    StopRecording,
    Tick,
)

__all__ = [
    "Abandon", "AnswerMode", "CheckIn", "Choose", "CloseSession", "CompletedAnswer", "Continue",
    "Decline", "DeviceCheckPassed", "DeviceLost", "DeviceRestored", "DiscardRecording", "Effect",
    "EngineSettings", "Event", "Finalise", "FinishAnswer", "GiveConsent", "InterviewState",
    "Notice", "OpenSession", "Outcome", "PlannedQuestion", "Proceed", "RecordConsent", "Reset",
    "Retake", "Stage", "StartAnswer", "StartRecording", "StopRecording", "Tick",
    "TransitionError", "resume", "transition",
]
