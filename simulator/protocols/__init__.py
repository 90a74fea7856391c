"""The upstream systems' HTTP interfaces, one module per protocol."""
