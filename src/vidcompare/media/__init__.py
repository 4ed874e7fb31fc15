"""Real video work: synthetic test videos (:mod:`.synth`) and measured facts (:mod:`.analysis`)."""
