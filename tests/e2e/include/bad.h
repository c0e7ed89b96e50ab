/* A header with an error on line 3. */
#define BAD_OK 1
#if BAD_OK +
#endif
