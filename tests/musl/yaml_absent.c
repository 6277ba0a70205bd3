/* libyaml's entry points for the musl build of make test-musl, which has
 * no libyaml (Debian ships it built for glibc only): the parser never
 * starts, so a YAML text or a --set value there gets the loader's
 * "cannot start the YAML parser" error, never a crash. The golden driver
 * builds its scenes from def structs and never parses YAML. */
#include <yaml.h>

int yaml_parser_initialize(yaml_parser_t *parser)
{
    (void)parser;
    return 0;
}

void yaml_parser_delete(yaml_parser_t *parser)
{
    (void)parser;
}

void yaml_parser_set_input_string(yaml_parser_t *parser, const unsigned char *input, size_t size)
{
    (void)parser;
    (void)input;
    (void)size;
}

void yaml_parser_set_encoding(yaml_parser_t *parser, yaml_encoding_t encoding)
{
    (void)parser;
    (void)encoding;
}

int yaml_parser_parse(yaml_parser_t *parser, yaml_event_t *event)
{
    (void)parser;
    (void)event;
    return 0;
}

void yaml_event_delete(yaml_event_t *event)
{
    (void)event;
}
