; double_fault: exception classes and #DF (SDM vol. 3 6.15 table 6-5 and
; "Interrupt 8"): contributory + contributory -> #DF (#NP while delivering
; #NP, #GP while delivering #GP, #GP while delivering #DE); page fault +
; page fault -> #DF (the IDT entry for #PF on a not-present page); page fault
; + contributory -> #DF; contributory + page fault -> serial (the IDT entry
; for #GP/#DE on a not-present page: the #PF is handled, the instruction
; restarts, the #GP/#DE is delivered); benign + contributory -> serial
; (int3 through a not-present gate); #DE inside the #DE handler is a nested
; #DE, not #DF; and a #DF caused by a not-present ring-0 stack (ring-3 #PF,
; TSS.ESP0 on a not-present page) handled by a task gate, whose task repairs
; the interrupted task's TSS and returns to it with IRET.
; The #DF error code is always 0; its saved CS:EIP is undefined (not printed).
; area: exceptions, double fault
; reference: qemu

%define KERNEL_NAME "double_fault"
%include "lib/kernel.inc"

IDT2    equ 0x50F90                 ; vectors 0..13 in page 0x50000, 14.. in 0x51000
S_NP    equ 0x68                    ; data, not present
S_TSSDF equ 0x70                    ; TSS of the #DF task
TPG     equ 0x300000                ; a data page, not present
STK0    equ 0x305000                ; a ring-0 stack top whose page is not present
DEPTH   equ KVARS

%macro SETIDT2 4                    ; vector, selector, offset, access (in IDT2)
        pushad
        mov edi, IDT2 + (%1) * 8
        mov ebx, %2
        mov eax, %3
        mov ecx, (%4) & 0xFF
        call set_gate
        popad
%endmacro
%macro PAGE 2                       ; linear page, present (1) or not (0)
        pushad
        mov eax, %1
        call pte_ptr
 %if %2
        or dword [eax], PG_P
 %else
        and dword [eax], ~PG_P
 %endif
        invlpg [%1]
        popad
%endmacro

        bits 32
main:
        SETDESC S_NP, 0, 0xFFFFF, ACC_DATA | ACC_W, FLG_G | FLG_DB
        call paging_identity
        PAGE TPG, 0
        mov eax, cr0
        or eax, CR0_PG
        mov cr0, eax
        mov esi, IDT_BASE
        mov edi, IDT2
        mov ecx, 0x800 / 4
        rep movsd
        SETIDT2 8, SEL_CODE32, df_handler, ACC_P | T_INT32
        mov word [KVARS + 0x10], 0x7FF
        mov dword [KVARS + 0x12], IDT2
        lidt [KVARS + 0x10]
        HOOK hook_pf

        ; ---------------------------------------------------------- contributory x2
        PRINT "#NP, IDT[0b] not present: "
        SETIDT2 11, SEL_CODE32, isr_stubs32 + 11 * 8, T_INT32
        TRY
        mov eax, S_NP
        mov ds, ax
        ENDTRY
        SETIDT2 11, SEL_CODE32, isr_stubs32 + 11 * 8, ACC_P | T_INT32
        PRINT "#GP, IDT[0d] -> selector beyond the GDT limit: "
        SETIDT2 13, 0x200, isr_stubs32 + 13 * 8, ACC_P | T_INT32
        TRY
        mov eax, 0x200
        mov ds, ax
        ENDTRY
        PRINT "#DE, IDT[00] -> data segment: "
        SETIDT2 0, SEL_DATA32, 0, ACC_P | T_INT32
        TRY
        xor ecx, ecx
        div ecx
        ENDTRY
        SETIDT2 0, SEL_CODE32, isr_stubs32, ACC_P | T_INT32
        SETIDT2 13, SEL_CODE32, isr_stubs32 + 13 * 8, ACC_P | T_INT32

        ; ---------------------------------------------------------- page fault first
        PRINT "#PF, IDT page of vectors 0e.. not present: "
        PAGE 0x51000, 0
        TRY
        mov eax, [TPG]
        ENDTRY
        PAGE 0x51000, 1
        PRINT "#PF, IDT[0e] -> selector beyond the GDT limit: "
        SETIDT2 14, 0x200, isr_stubs32 + 14 * 8, ACC_P | T_INT32
        TRY
        mov eax, [TPG]
        ENDTRY
        SETIDT2 14, SEL_CODE32, isr_stubs32 + 14 * 8, ACC_P | T_INT32

        ; ---------------------------------------------------------- serial
        PRINTLN "#GP, IDT page of vectors 00..0d not present (the hook maps it):"
        PAGE 0x50000, 0
        TRY
        mov eax, 0x200
        mov ds, ax
        ENDTRY
        PRINTLN "#DE, IDT page of vectors 00..0d not present (the hook maps it):"
        PAGE 0x50000, 0
        TRY
        xor ecx, ecx
        div ecx
        ENDTRY
        PRINT "int3, IDT[03] not present: "
        SETIDT2 3, SEL_CODE32, isr_stubs32 + 3 * 8, T_INT32
        TRY
        int3
        ENDTRY
        SETIDT2 3, SEL_CODE32, isr_stubs32 + 3 * 8, ACC_P | T_INT32

        ; ---------------------------------------------------------- #DE in #DE handler
        PRINTLN "#DE, and #DE again inside its handler:"
        SETIDT2 0, SEL_CODE32, de_handler, ACC_P | T_INT32
        mov dword [DEPTH], 0
        TRY
        xor ecx, ecx
        div ecx
        ENDTRY
        SETIDT2 0, SEL_CODE32, isr_stubs32, ACC_P | T_INT32

        ; ---------------------------------------------------------- #DF via task gate
        mov edi, TSS_B
        call tss_clear
        mov dword [edi + 0x20], df_task
        mov dword [edi + 0x24], FL_1
        mov dword [edi + 0x38], STACK_T1_TOP
        mov dword [edi + 0x48], SEL_DATA32
        mov dword [edi + 0x4C], SEL_CODE32
        mov dword [edi + 0x50], SEL_DATA32
        mov dword [edi + 0x54], SEL_DATA32
        mov dword [edi + 0x58], SEL_DATA32
        mov dword [edi + 0x5C], SEL_DATA32
        mov eax, cr3
        mov [edi + 0x1C], eax
        mov [TSS_MAIN + 0x1C], eax  ; CR3 is loaded from the TSS on the way back
        SETDESC S_TSSDF, TSS_B, 0x67, ACC_P | T_TSS32, 0
        SETIDT2 8, S_TSSDF, 0, ACC_P | T_TASK
        PAGE STK0 - 0x1000, 0
        mov dword [TSS_MAIN + 4], STK0
        R3BEGIN "ring 3 #PF with TSS.ESP0 on a not-present page: "
        mov eax, [ss:TPG]
        R3END
        mov dword [TSS_MAIN + 4], STACK0_TOP
        PAGE STK0 - 0x1000, 1
        str ax
        movzx eax, ax
        PKV16 "back in the main task: tr=", eax
        movzx eax, byte [GDT_SLOT(S_TSSDF) + 5]
        and eax, 0x0F
        PKV8 " df tss type=", eax
        PRINTLN
        EXIT 0

; #DF through an interrupt gate (ring 0, the stack is fine): error code only
df_handler:
        PKV16 "#DF err=", [esp]
        PRINTLN
        mov dword [last_vector], 8
        jmp try_resume32

; #PF hook: map the IDT page back in and restart; others: default
hook_pf:
        cmp dword [last_vector], 14
        jne .no
        mov eax, [last_cr2]
        and eax, ~0xFFF
        cmp eax, 0x50000
        jne .no
        PAGE 0x50000, 1
        mov eax, ACT_IRET
        ret
.no:    xor eax, eax
        ret

; #DE handler that divides by zero once more
de_handler:
        inc dword [DEPTH]
        mov eax, [esp]
        PKV32 "  #DE handler: depth=", [DEPTH]
        cmp dword [DEPTH], 1
        jne de_inner
        sub eax, [try_base]
        PKV16 " frame eip=try+", eax
        PRINTLN
        xor ecx, ecx
de_again:
        div ecx
de_inner:
        sub eax, de_again
        PKV16 " frame eip=de_again+", eax
        PRINTLN
        mov dword [last_vector], 0
        jmp try_resume32

; the #DF task: report, point the interrupted task at the TRY resume point,
; return to it
df_task:
        pop eax                     ; the error code (pushed on this task's stack)
        PKV16 "#DF task: err=", eax
        str ax
        movzx eax, ax
        PKV16 " tr=", eax
        PKV16 " back link=", [TSS_B]
        pushfd
        pop eax
        and eax, FL_NT
        PKV32 " eflags.nt=", eax
        PRINTLN
        mov eax, [fault_resume]
        mov [TSS_MAIN + 0x20], eax  ; EIP
        mov dword [TSS_MAIN + 0x24], FL_1
        mov eax, [fault_esp]
        mov [TSS_MAIN + 0x38], eax  ; ESP
        mov dword [TSS_MAIN + 0x4C], SEL_CODE32
        mov eax, SEL_DATA32
        mov [TSS_MAIN + 0x48], eax
        mov [TSS_MAIN + 0x50], eax
        mov [TSS_MAIN + 0x54], eax
        mov [TSS_MAIN + 0x58], eax
        mov [TSS_MAIN + 0x5C], eax
        mov dword [fault_resume], 0
        mov dword [last_vector], 8
        iretd
        jmp df_task

%include "lib/tail.inc"
