/* no_symbol.c - a shared object that is not a charon-fcgi plugin. */
int no_symbol_answer(void);

int
no_symbol_answer(void)
{
    return 42;
}
