"""Every figure of rsmine, one module per subject; :mod:`rsmine.figures.style` holds the
helpers they share and states their convention (data in, Figure out, optional ``path``)."""
