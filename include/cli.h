/* Administrative commands of the taskapi binary that act on the database directly. */
#ifndef TASKAPI_CLI_H
#define TASKAPI_CLI_H

/* `taskapi user create ...` (argv after "create"); returns the exit status. */
int cli_user_create(int argc, char **argv);
/* `taskapi import --from URL` (argv after "import"): adopts a FastAPI-era database (src/import.c). */
int cli_import(int argc, char **argv);

#endif
