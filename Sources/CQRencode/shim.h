// Debian's libqrencode (libqrencode-dev): QR codes for the verification line.
#include <qrencode.h>
