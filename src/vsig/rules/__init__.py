"""Pure rules: frames in, frames out; no state, no paths."""
