// SPDX-License-Identifier: GPL-2.0
//! Shared code of the guest programs.

pub mod sys;
