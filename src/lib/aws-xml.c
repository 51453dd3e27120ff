/* aws-xml.c: small walkers over libxml2 trees of EC2 responses, which put
 * every element in one default namespace: so nodes are matched by local
 * name, and lists are <xSet><item>...</item>...</xSet>. */
#include <string.h>

#include "aws-xml.h"

static xmlNode *
first_named(xmlNode *n, const char *name)
{
	for (; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

xmlNode *
aws_child(xmlNode *n, const char *name)
{
	return n != NULL ? first_named(n->children, name) : NULL;
}

xmlNode *
aws_next(xmlNode *n)
{
	return n != NULL ? first_named(n->next, (const char *)n->name) : NULL;
}

xmlNode *
aws_path(xmlNode *n, const char *path)
{
	char part[128];

	while (n != NULL && *path != '\0') {
		size_t l = strcspn(path, "/");
		if (l >= sizeof part)
			return NULL;
		memcpy(part, path, l);
		part[l] = '\0';
		n = aws_child(n, part);
		path += l;
		if (*path == '/')
			path++;
	}
	return n;
}

char *
aws_text(xmlNode *n, const char *path, char *buf, size_t len)
{
	xmlNode *x = aws_path(n, path);
	xmlChar *s;

	buf[0] = '\0';
	if (x == NULL || (s = xmlNodeGetContent(x)) == NULL)
		return buf;
	strncpy(buf, (const char *)s, len - 1);
	buf[len - 1] = '\0';
	xmlFree(s);
	return buf;
}

char *
aws_tag(xmlNode *n, const char *key, char *buf, size_t len)
{
	xmlNode *it;
	char k[256];

	buf[0] = '\0';
	for (it = aws_path(n, "tagSet/item"); it != NULL; it = aws_next(it))
		if (strcmp(aws_text(it, "key", k, sizeof k), key) == 0)
			return aws_text(it, "value", buf, len);
	return buf;
}
