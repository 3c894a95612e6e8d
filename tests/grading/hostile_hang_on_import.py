"""Never finishes importing: every part times out, the batch goes on."""

while True:
    pass
