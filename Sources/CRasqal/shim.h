#pragma once
#include <rasqal.h>
