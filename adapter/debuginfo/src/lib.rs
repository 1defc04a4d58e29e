//! Source-level debugging data from DWARF (gimli, object).
