"""The one store of uploaded files (evidence, ceremony files): see `files.store`."""
