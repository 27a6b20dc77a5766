"""Level-of-care reviews: the engine that proposes step down, stay, step up or reassess, and
the queue where clinicians accept or dismiss its proposals."""
