#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
#include <cblas.h>
/* OpenBLAS extensions (declared in openblas_config.h, pulled in by cblas.h). */
#endif
