// placeholder until the board assets are merged
