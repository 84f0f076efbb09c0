#include "kadapter/version.h"

extern "C" const char* kadapter_version(void)
{
    return KADAPTER_VERSION_STRING;
}
