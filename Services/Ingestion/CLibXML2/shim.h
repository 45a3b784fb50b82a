// Debian's libxml2 is built with ICU, so its encoding.h pulls in the system's ICU headers,
// which clash with the copy Foundation carries (_FoundationICU). Nothing here uses libxml2's
// ICU converters (documents reach the parser already decoded to UTF-8), so the headers are
// read without them.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
