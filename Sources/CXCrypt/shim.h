// Debian's libxcrypt (libcrypt-dev): bcrypt for people's passwords.
#include <crypt.h>
