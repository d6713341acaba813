"""Channels: outward destinations (公示系统, a filing system, …) and the recorded submissions of any subject."""
