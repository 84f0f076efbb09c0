/*
 * What libkadapter.so exports. The library is compiled with hidden
 * visibility; each public header brackets its declarations with
 * KADAPTER_PUBLIC_BEGIN and KADAPTER_PUBLIC_END, so the shared library
 * exports exactly what the public headers declare and nothing of its
 * internals (or of the libraries it is built on).
 */
#ifndef KADAPTER_EXPORT_H
#define KADAPTER_EXPORT_H

#if defined(__GNUC__)
#define KADAPTER_PUBLIC_BEGIN _Pragma("GCC visibility push(default)")
#define KADAPTER_PUBLIC_END _Pragma("GCC visibility pop")
#else
#define KADAPTER_PUBLIC_BEGIN
#define KADAPTER_PUBLIC_END
#endif

#endif /* KADAPTER_EXPORT_H */
