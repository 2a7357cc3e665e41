/* cffi declarations for <lcont/common.h>, <lcont/error.h> and <lcont/version.h>.
 * Curated by hand: tests/abi/check-decls.py fails when an exported symbol has no
 * declaration in this directory or a declaration names a symbol that is not exported.
 * Structs end with "...;" (STYLE 13.2): the C compiler supplies the real layout, so fields
 * appended in the headers never break the build; fields Python sets are listed here. */
typedef int... pid_t; /* from <sys/types.h>; cffi checks its real size */
typedef int... uid_t;
typedef int... gid_t;
typedef void (*lcont_destroy_fn)(void *userdata);

typedef struct lcont_error lcont_error;
int lcont_error_code(const lcont_error *err);
const char *lcont_error_message(const lcont_error *err);
void lcont_error_free(lcont_error *err);
void lcont_free(void *p);
void lcont_strv_free(char **strv);
