#pragma once
#include <raptor2.h>
