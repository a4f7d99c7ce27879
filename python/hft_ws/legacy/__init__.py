"""Legacy (pure-Python) strategy path: a rollback shim producing the same events as the Rust path."""
