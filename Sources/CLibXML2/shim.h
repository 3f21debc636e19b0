// libxml2's own headers include ICU's when the library was built with it (Debian's is), and
// ICU's types clash with the copy Foundation carries: the parser's interface needs none of them.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
