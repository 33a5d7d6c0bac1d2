"""Scoring: fusing content, voice and visual evidence into explainable competency scores under a
jurisdiction policy."""
