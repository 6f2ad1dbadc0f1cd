// Debian's cairo and pango (libcairo2-dev, libpango1.0-dev): PDF surfaces and text layout with font fallback.
#include <pango/pangocairo.h>
#include <cairo/cairo-pdf.h>
