"""Draws: the ceremony around the SSJ-DRAW-1 engine, and the engine's command line."""
