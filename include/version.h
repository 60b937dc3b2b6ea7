/* The API's version (GET /, /metrics' build info); the build id comes from the Makefile. */
#ifndef TASKAPI_VERSION_H
#define TASKAPI_VERSION_H

#define API_VERSION "1.0.0"

#endif
