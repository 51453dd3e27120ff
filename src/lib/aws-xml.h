/* aws-xml.h: walking EC2 responses (libxml2 trees) by local element names. */
#ifndef CS_AWS_XML_H
#define CS_AWS_XML_H

#include <stddef.h>
#include <libxml/tree.h>

/* First child element of n named name (namespace ignored), or NULL. */
xmlNode *aws_child(xmlNode *n, const char *name);

/* Next sibling element of n with the same name, or NULL. */
xmlNode *aws_next(xmlNode *n);

/* The node at path "a/b/c" below n, or NULL. */
xmlNode *aws_path(xmlNode *n, const char *path);

/* Text of the node at path below n copied into buf (size len, truncated
 * safely); "" when absent. Returns buf. */
char *aws_text(xmlNode *n, const char *path, char *buf, size_t len);

/* The value of tag key among n's tagSet, into buf; "" when absent. */
char *aws_tag(xmlNode *n, const char *key, char *buf, size_t len);

#endif
