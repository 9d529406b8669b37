"""Shared domain types, catalogs and errors. Imports only the standard library, so the
workflow sandbox can load it cheaply."""
