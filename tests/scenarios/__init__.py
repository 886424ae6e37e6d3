"""Dialogue scenarios written once, in a neutral form, and run on every channel's harness."""
