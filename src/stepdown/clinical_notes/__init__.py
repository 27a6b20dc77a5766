"""Progress notes for every service: writing, signing, co-signature, addenda, copy-forward check."""
