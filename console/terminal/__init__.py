"""The web terminal: pod exec and cluster shell in the browser, recorded and audited."""
